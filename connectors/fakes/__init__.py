"""Local fakes of the platform APIs: real HTTP servers following reference/platforms.md."""

"""Instagram direct messages (Messenger Platform, `object: "instagram"`)."""

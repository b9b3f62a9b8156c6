"""The brand's FAQ store, its voice and the studio where the brand team edits them."""

"""Use cases of the privacy service, one module per aggregate: each writes its change and its
events (through the outbox) in the caller's transaction."""

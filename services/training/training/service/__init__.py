"""Use cases of the training service, one module per aggregate: each changes state and records its
events in the outbox in one transaction."""

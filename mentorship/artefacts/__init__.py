"""The files `make generate` writes from the service registry, one module per kind of file."""

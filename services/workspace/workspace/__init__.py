"""The workspace service. Conventions every service follows: CONTRIBUTING.md at the repository root."""

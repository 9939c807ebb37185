"""The privacy service: people's data exports, erasures across every service, retention policies
per organization, and the organization's audit trail."""

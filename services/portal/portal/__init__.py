"""The portal: the backend-for-frontend that answers a person's home screen in one round trip."""

"""The delivery app's REST API (`/api/v1/`)."""

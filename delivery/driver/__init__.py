"""The driver's mobile web view (`/driver/`): today's route on a phone, offline-first."""

"""Events, recipient notifications (SMS/e-mail) and signed webhooks for integrators."""

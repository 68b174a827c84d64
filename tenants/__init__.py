"""The platform: businesses (tenants), their hosts, and the API conventions every app shares."""

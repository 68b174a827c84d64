"""Live tracking: driver positions, live ETAs, customer tracking pages."""

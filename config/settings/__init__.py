"""Settings packages: base (shared), development (default), test and production."""

"""The knowledge base: records (models), loading (loader) and lookups (base)."""

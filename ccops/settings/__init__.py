"""Settings modules: ``base`` (laptop defaults), ``production`` and ``test``."""

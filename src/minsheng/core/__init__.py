"""The core every module stands on: settings, database, errors, permissions, jobs, registry."""

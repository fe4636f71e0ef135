"""Jobs of the projects module: report reminders, late and missing reports, warnings."""

"""The data manager's work on identity: review tasks, merge and unmerge."""

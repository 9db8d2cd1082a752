"""What finance and the agents read: the snapshot, the exports and the statements."""

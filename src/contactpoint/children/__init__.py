"""The index of children: one record per child, built from linked source records."""

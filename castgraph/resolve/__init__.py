"""castgraph.resolve."""

"""castgraph.viz."""

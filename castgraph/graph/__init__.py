"""castgraph.graph."""

"""castgraph.queries."""

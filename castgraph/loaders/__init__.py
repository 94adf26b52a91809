"""castgraph.loaders."""

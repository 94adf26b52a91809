"""castgraph: episodes in, a knowledge graph of people, products and organizations out."""

__version__ = "0.1.0"

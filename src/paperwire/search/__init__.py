"""Search: BM25 keyword index, semantic vectors, and their fusion."""

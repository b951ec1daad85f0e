"""Demo data: a believable company on real Hangzhou streets (modules only, no models).

`generator` builds the company in memory from a seed; `services` writes it in bulk (the
seed-demo command and the archive benchmark both use it); `data` holds the street table and
the vocabulary of names, chains and brands.
"""

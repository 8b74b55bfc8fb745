"""The composition of a daoban process: what each command and each worker builds, and when.

* :mod:`.services` — :class:`~.services.Services`, built lazily: a command touches only what
  it uses (``daoban kb list`` opens the database and the store; no classifier, no index).
* :mod:`.seeding` — the bundled samples, loaded once under a database lock.
* :mod:`.snapshots` — trained classifiers kept on disk per node, keyed by catalogue and policy
  version, so the second worker and every restart load instead of training.
* :mod:`.change_feed` — publish, retire, lexicon, corrections and policy changes announced to
  every worker (Redis pub/sub, or polling the database) and caught up from the database.
* :mod:`.sessions` — dialogue state in Redis with a TTL when configured.
"""

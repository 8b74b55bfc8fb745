"""``daoban bench``: how fast, how heavy, and how it compares with the LangChain default.

Modules: :mod:`~evals.bench.growth` (synthetic knowledge bases), :mod:`~evals.bench.turn`
(in-process turns), :mod:`~evals.bench.ranking` (retriever accuracy and latency),
:mod:`~evals.bench.langchain_baseline`, :mod:`~evals.bench.http` (the real service under
load), :mod:`~evals.bench.memory`, :mod:`~evals.bench.runner` (the whole run) and
:mod:`~evals.bench.report`. The LangChain and psutil imports need ``daoban[bench]``.
"""

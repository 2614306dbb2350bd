"""Side-by-side benchmarks: the reference tutorials' formulations against the notebooks', run from
the repository root as ``python -m bench.<script>``. Each writes one JSON record into
``bench/results/``; ``python -m bench.render`` turns the records into docs/benchmarks.md."""

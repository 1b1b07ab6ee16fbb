# Every target creates or updates .venv first, so each works on a fresh clone.
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
PYTHON ?= python3.11

.PHONY: install browser run test chat eval eval-dev bench lint clean

$(PY):
	$(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)

# Reinstall only when the dependency list or its pinned versions (constraints.txt) change; the int8 ONNX
# export of the embedding model and the Q8_0 copy of the bundled LLM are made here from the files on disk
# (or on first use). torch is installed first and pinned: the CPU build lies on this machine's disk, while
# letting a dependency resolve it would pull a CUDA build.
$(STAMP): pyproject.toml constraints.txt | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -c constraints.txt -e '.[dev]'
	$(PY) -m rag.ingest.onnx_export
	$(PY) -m rag.answering.gguf_requant
	touch $(STAMP)

install: $(STAMP)

run: install
	$(VENV)/bin/newsdesk serve --ingest seeds

chat: install
	$(VENV)/bin/newsdesk ingest seeds
	$(VENV)/bin/newsdesk chat

# The browser tests drive Debian's Chromium (never a downloaded browser).
browser:
	@command -v chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq chromium chromium-driver; }

test: install browser
	$(VENV)/bin/pytest

# Re-measure the seeds eval, keep its report in the repo and regenerate the README's numbers table.
eval: install
	$(VENV)/bin/newsdesk eval --out evals/results/seeds --readme README.md

# The MultiHop-RAG dev split (1,000 of the benchmark's questions, read in place), both parts reported
# apart; regenerates the README's dev-split table. The store is kept in .bench/multihop.
eval-dev: install
	$(VENV)/bin/newsdesk eval --format multihop --dataset ../shared/corpora/multihop_rag/queries_dev.json \
		--store .bench/multihop --out evals/results/multihop_dev_split --readme README.md

# Benchmarks on ../shared/corpora (not part of `make test`): tables on stdout, JSON and summary.md in
# benchmarks/results/, scratch stores in .bench/.
bench: install
	$(PY) benchmarks/run_all.py

lint: install
	$(VENV)/bin/ruff check rag ui evals tests

clean:
	rm -rf .newsdesk .pytest_cache tests/output .bench

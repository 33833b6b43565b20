"""The policy lab (`make compare`): a book replayed once per policy, in process, on the product's own decision and
event code, with borrowers answering by a documented, seeded behaviour model; figures and cost side by side.

- engine.py: the runs and the events, in memory (what the state machine and the ingest do, by the same functions)
- behaviour.py: how the borrowers answer (the model, its numbers and where they come from)
- compare.py: one Lab per policy, the figures (escalation.domain.figures), compare.json; `python -m sim.lab`
- page.py: compare.html
"""

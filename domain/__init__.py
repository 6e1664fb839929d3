"""The pure core: vocabulary, evidence snapshot, policy values, gates, ask policy, output checks.

Imports only the standard library, pydantic and itself (tests/unit/test_architecture.py holds
it to that), so every rule here runs without a database, a clock, a model or a network.
"""

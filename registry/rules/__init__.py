"""The rules engine: pure functions over facts (DESIGN section 1).

``registry.rules`` imports nothing from the rest of ``registry`` and no framework, database or
cache: only the standard library, msgspec and the YAML parser (checked by a test). The flow is
``load()`` the versioned rulesets -> ``evaluate(rulesets, facts, as_of)`` -> a ``Decision`` whose
every outcome names the rule, the fact values that fired it, its legal basis and the ruleset's
id, version and hash.
"""

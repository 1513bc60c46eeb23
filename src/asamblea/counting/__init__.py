"""The counting engine: ballots, counting rules, apportionment, readers, reports.

A pure library: it never imports Django, so anyone can recount a published
election with it, and its tests run in microseconds.
"""

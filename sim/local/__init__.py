"""The local stack: template.yaml on moto, in-process (tests, scenarios, the demo) or as a server (make local)."""

"""The JSON API of Asamblea (django-ninja): public reads, and write actions that
come with their capabilities (an API token carries only the capabilities it was
issued with). Thin: it calls services and access helpers only."""

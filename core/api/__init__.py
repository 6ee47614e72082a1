"""What the HTTP APIs share, whatever they serve: the base view, throttles, declared query parameters, parsers."""

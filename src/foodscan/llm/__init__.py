"""The optional vision-LLM: any OpenAI-compatible chat-completions endpoint.

``client`` (the provider: retries, backoff, circuit breaker), ``structured`` (answers that must
match a result model), ``readings`` (what each kind asks), ``merge`` (how an answer joins the
offline reading), ``usage`` (tokens and cost), ``photos`` (images as data URLs). It sits between
the pipelines and recognition: it may use recognition's models, never jobs, events or the
database. The provider is built once at the edge and handed to jobs through their ``Context``.
"""

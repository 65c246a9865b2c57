# The two commands a newcomer needs. Both install what is missing, then skip it next time.
.PHONY: serve test bench
serve: ## Build the app and serve it with the local sandbox target
	@scripts/serve.sh
test: ## Run every test: lints, native tests, end-to-end tests in Chromium
	@scripts/test.sh
bench: ## Run the benchmarks (import throughput, bundle size); not part of test
	@scripts/bench.sh

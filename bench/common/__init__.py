"""What the benchmarks share: processes, wrk and its Lua, accounts, HTTP, files, reports."""

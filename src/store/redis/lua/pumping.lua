-- The SMS pumping watch alone (see _pumping.lua); a create runs it inside admit_brand.
-- KEYS: the brand's watching-since key, the prefix's hash, the brand's hash of all prefixes
-- (one slot). ARGV: now, window_ms, baseline_ms, factor, min_sends, block_ms, ttl_ms
-- -> {"allowed", 0} (counted) | {"tripped", block_ms} | {"blocked", remaining_ms}
--!include _pumping.lua

local verdict, ms = pumping_watch(KEYS[1], KEYS[2], KEYS[3], tonumber(ARGV[1]),
                                  tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]),
                                  tonumber(ARGV[5]), tonumber(ARGV[6]), ARGV[7])
return {verdict, ms}

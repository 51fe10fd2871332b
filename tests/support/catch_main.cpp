// The one Catch2 main for every test tier.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>

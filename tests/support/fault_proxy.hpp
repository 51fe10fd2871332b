// A fault-injecting TCP proxy for tests: listens on a free 127.0.0.1 port and forwards each
// connection it accepts to 127.0.0.1:<target>, on its own thread and io_context. A test puts it
// between a client (otpgate's Redis link, the binary) and a real server and tells it, at
// precise points, to hold, slow, cut or refuse traffic; its counters show what the client did
// (how many connections it opened, which are still open, how many bytes went each way).
//
// A mode applies to every connection, open or future, or with Scope::open only to those open
// now (new ones keep the mode they would have had). A mode change takes effect before the
// call returns: a chunk read after it obeys the new mode, a chunk already being written is
// delivered. Held bytes stay in the proxy (it stops reading that direction), in order, until a
// mode lets them through. When either side closes or fails, the proxy closes both sides; a
// direction holding a chunk does not read, so a close from that side is noticed only when it
// flows again (under hold_replies the client's close is noticed at once).
// Every member function is safe to call from any thread but the proxy's own.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace otpgate::test {

class FaultProxy {
 public:
  struct Counters {
    std::size_t accepted = 0;      // connections forwarded (refused ones not included)
    std::size_t open = 0;          // forwarded connections not closed yet
    std::size_t refused = 0;       // connections reset at once while refuse() was on
    std::uint64_t bytes_up = 0;    // client -> server, delivered to the server
    std::uint64_t bytes_down = 0;  // server -> client, delivered to the client
  };

  enum class Scope { all, open };

  // Starts listening and forwarding (mode pass). Throws std::runtime_error if it cannot listen.
  explicit FaultProxy(unsigned short target_port);
  // Stops at once and closes every connection.
  ~FaultProxy();
  FaultProxy(const FaultProxy&) = delete;
  FaultProxy& operator=(const FaultProxy&) = delete;

  unsigned short port() const;

  // Forward both ways without delay, releasing whatever was held.
  void pass(Scope scope = Scope::all);
  // Hold bytes both ways: a server that stopped (SIGSTOP) as seen from the client, except
  // that connects still complete.
  void stall(Scope scope = Scope::all);
  // Forward client -> server, hold server -> client: the server runs the commands, the client
  // reads nothing, until pass().
  void hold_replies(Scope scope = Scope::all);
  // Forward both ways, each chunk after `delay` (per direction, chunks stay in order).
  void slow(std::chrono::milliseconds delay, Scope scope = Scope::all);
  // Close every open connection, both sides, with an RST (SO_LINGER 0). The mode is unchanged.
  void cut();
  // While on, a new connection is accepted and reset at once, never forwarded (the port stays
  // bound, so nothing else can take it meanwhile). Open connections are not touched.
  void refuse(bool on = true);

  Counters counters() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace otpgate::test

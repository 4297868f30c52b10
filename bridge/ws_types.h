// The websocketpp types the bridge is built on: the asio server configs
// without TLS (ws://) and with it (wss://). Connections of both run their
// handlers on their own strand and share one message type, so a prepared
// frame can go to sockets of either kind.
#ifndef PULSE_BRIDGE_WS_TYPES_H_
#define PULSE_BRIDGE_WS_TYPES_H_

#include <type_traits>
#include <websocketpp/config/asio.hpp>
#include <websocketpp/config/asio_no_tls.hpp>
#include <websocketpp/server.hpp>

namespace pulse::bridge {

using WsServer = websocketpp::server<websocketpp::config::asio>;
using WssServer = websocketpp::server<websocketpp::config::asio_tls>;
using WsMessagePtr = WsServer::message_ptr;
using WsMessage = websocketpp::config::asio::message_type;
static_assert(
    std::is_same_v<WsMessage, websocketpp::config::asio_tls::message_type>);

}  // namespace pulse::bridge

#endif  // PULSE_BRIDGE_WS_TYPES_H_

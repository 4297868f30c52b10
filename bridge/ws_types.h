// The websocketpp types the bridge is built on: the asio (no TLS) server
// config, whose connections each run their handlers on their own strand.
#ifndef PULSE_BRIDGE_WS_TYPES_H_
#define PULSE_BRIDGE_WS_TYPES_H_

#include <websocketpp/config/asio_no_tls.hpp>
#include <websocketpp/server.hpp>

namespace pulse::bridge {

using WsServer = websocketpp::server<websocketpp::config::asio>;
using WsConnectionPtr = WsServer::connection_ptr;
using WsMessagePtr = WsServer::message_ptr;
using WsMessage = websocketpp::config::asio::message_type;

}  // namespace pulse::bridge

#endif  // PULSE_BRIDGE_WS_TYPES_H_

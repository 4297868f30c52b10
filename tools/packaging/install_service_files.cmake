# Runs at install time (see CMakeLists.txt): writes the systemd units and the
# example flag files with the paths of the prefix being installed to, so that
# the .deb (prefix /usr) and `cmake --install --prefix /opt/pulse` both get
# units that point at their own binaries and flag files.
#
# Expects PULSE_PACKAGING_DIR (this folder), PULSE_CONFIGURED_DIR (scratch
# space in the build tree) and the configure-time PULSE_INSTALL_BINDIR,
# PULSE_INSTALL_DATADIR, PULSE_INSTALL_SYSCONFDIR (GNUInstallDirs' values:
# relative to the prefix, or absolute).

# Where `rel` lands under the prefix, with GNUInstallDirs' rule for etc:
# prefix / or /usr -> /etc, prefix /opt/X -> /etc/opt/X.
function(pulse_full_dir out rel)
  set(prefix "${CMAKE_INSTALL_PREFIX}")
  if(IS_ABSOLUTE "${rel}")
    set(full "${rel}")
  elseif(rel STREQUAL "etc" AND prefix MATCHES "^/(usr/?)?$")
    set(full "/etc")
  elseif(rel STREQUAL "etc" AND prefix MATCHES "^/opt/(.*)")
    set(full "/etc/opt/${CMAKE_MATCH_1}")
  else()
    set(full "${prefix}/${rel}")
  endif()
  set(${out} "${full}" PARENT_SCOPE)
endfunction()

# The names the templates use.
pulse_full_dir(PULSE_BINDIR "${PULSE_INSTALL_BINDIR}")
pulse_full_dir(sysconfdir "${PULSE_INSTALL_SYSCONFDIR}")
set(PULSE_CONFDIR "${sysconfdir}/pulse")
pulse_full_dir(datadir "${PULSE_INSTALL_DATADIR}")
set(PULSE_WEB_ROOT "${datadir}/pulse/web")

foreach(name pulse-server.flags pulse-bridge.flags
             pulse-server.service pulse-bridge.service)
  configure_file("${PULSE_PACKAGING_DIR}/${name}.in"
                 "${PULSE_CONFIGURED_DIR}/${name}" @ONLY)
endforeach()

# file(INSTALL) honours DESTDIR and records the files in the install manifest.
file(INSTALL
  "${PULSE_CONFIGURED_DIR}/pulse-server.flags"
  "${PULSE_CONFIGURED_DIR}/pulse-bridge.flags"
  DESTINATION "${PULSE_CONFDIR}"
  PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
# systemd reads units from <prefix>/lib/systemd/system for /usr and /usr/local.
file(INSTALL
  "${PULSE_CONFIGURED_DIR}/pulse-server.service"
  "${PULSE_CONFIGURED_DIR}/pulse-bridge.service"
  DESTINATION "${CMAKE_INSTALL_PREFIX}/lib/systemd/system"
  PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)

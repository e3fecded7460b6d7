# What `cmake --install` puts on a node, and the .deb and .rpm that CPack makes of it.
# One command builds both packages: bash packaging/build-packages.sh (configure with -DCMAKE_INSTALL_PREFIX=/usr).

set(MDNS_DEFAULT_CONFIG ${CMAKE_SOURCE_DIR}/packaging/config.json CACHE FILEPATH
    "The file installed as /etc/mesos-dns-agent/config.json")
set(MDNS_PACKAGE_VERSION ${PROJECT_VERSION} CACHE STRING "The packages' upstream version")
set(MDNS_PACKAGE_RELEASE 1 CACHE STRING "The packages' release (Debian revision, RPM release)")
set(MDNS_PACKAGE_MAINTAINER "mesos-dns-agent maintainers <mesos-dns-agent@example.org>" CACHE STRING
    "Maintainer field of the packages")
set(MDNS_HOMEPAGE "https://github.com/mesosphere/mesos-dns" CACHE STRING "Homepage field of the packages")

# Every unit of systemd/, in Debian's unit folder; the RPM's pre-build script moves them to
# /usr/lib/systemd/system. The maintainer scripts enable and start the service only.
file(GLOB MDNS_UNITS systemd/*.service systemd/*.socket)
install(FILES ${MDNS_UNITS} DESTINATION /lib/systemd/system)
install(FILES ${MDNS_DEFAULT_CONFIG} DESTINATION /etc/mesos-dns-agent RENAME config.json)
install(DIRECTORY DESTINATION /var/lib/mesos-dns-agent
        DIRECTORY_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)

# The manual page names the version it documents.
configure_file(packaging/mesos-dns-agent.8 ${CMAKE_BINARY_DIR}/packaging/mesos-dns-agent.8 @ONLY)
# Compressed as Debian policy asks: gzip -9, no name or time stamp (-n), so that builds are reproducible.
set(MDNS_GZIPPED)
foreach(source ${CMAKE_BINARY_DIR}/packaging/mesos-dns-agent.8 ${CMAKE_SOURCE_DIR}/packaging/changelog.Debian)
  get_filename_component(name ${source} NAME)
  set(gzipped ${CMAKE_BINARY_DIR}/packaging/${name}.gz)
  add_custom_command(OUTPUT ${gzipped}
                     COMMAND gzip -9n -c ${source} > ${gzipped}
                     DEPENDS ${source} VERBATIM)
  list(APPEND MDNS_GZIPPED ${gzipped})
endforeach()
add_custom_target(packaging_docs ALL DEPENDS ${MDNS_GZIPPED})
install(FILES ${CMAKE_BINARY_DIR}/packaging/mesos-dns-agent.8.gz DESTINATION share/man/man8)
install(FILES README.md packaging/copyright ${CMAKE_BINARY_DIR}/packaging/changelog.Debian.gz
        DESTINATION share/doc/mesos-dns-agent)

set(CPACK_PACKAGE_NAME mesos-dns-agent)
set(CPACK_PACKAGE_VERSION ${MDNS_PACKAGE_VERSION})
set(CPACK_PACKAGE_VENDOR "mesos-dns-agent")
set(CPACK_PACKAGE_CONTACT "${MDNS_PACKAGE_MAINTAINER}")
set(CPACK_PACKAGE_HOMEPAGE_URL "${MDNS_HOMEPAGE}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "per-node DNS agent for Apache Mesos clusters")
set(CPACK_PACKAGE_DESCRIPTION
    "mesos-dns-agent runs on every node of a Mesos cluster and answers the cluster's
service names (mesos-dns naming: app.marathon.mesos, _app._tcp.marathon.mesos,
leader.mesos) on 127.0.0.1:53 from memory. It reads the cluster state from the
leading Mesos master itself, so no central DNS server sits in the lookup path.
Other names are forwarded to the node's own resolvers, with a cache.

While it runs, it puts itself first in /etc/resolv.conf, and it restores the
file when it stops. Its configuration is mesos-dns's config.json.")
set(CPACK_RESOURCE_FILE_LICENSE ${CMAKE_SOURCE_DIR}/LICENSE)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_PACKAGE_RELOCATABLE OFF)

set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_RELEASE ${MDNS_PACKAGE_RELEASE})
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${CMAKE_SOURCE_DIR}/packaging/deb/conffiles ${CMAKE_SOURCE_DIR}/packaging/deb/postinst
    ${CMAKE_SOURCE_DIR}/packaging/deb/prerm ${CMAKE_SOURCE_DIR}/packaging/deb/postrm)

set(CPACK_RPM_FILE_NAME RPM-DEFAULT)
set(CPACK_RPM_PACKAGE_RELEASE ${MDNS_PACKAGE_RELEASE})
set(CPACK_RPM_PACKAGE_SUMMARY "Per-node DNS agent for Apache Mesos clusters")
set(CPACK_RPM_PACKAGE_DESCRIPTION "${CPACK_PACKAGE_DESCRIPTION}")
# Debian's libcurl versions its symbols (CURL_OPENSSL_4); RPM distributions' does not, and the
# binary runs with an unversioned libcurl.so.4: require the soname only.
set(CPACK_RPM_SPEC_MORE_DEFINE "%define packager ${MDNS_PACKAGE_MAINTAINER}
%global __requires_exclude ^libcurl[.]so[.]4[(]CURL_OPENSSL_4[)]")
set(CPACK_RPM_PACKAGE_LICENSE "Apache-2.0")  # SPDX, as Fedora writes licenses since 2023
set(CPACK_RPM_PACKAGE_GROUP "System Environment/Daemons")
set(CPACK_RPM_PACKAGE_URL "${MDNS_HOMEPAGE}")
set(CPACK_RPM_PACKAGE_AUTOREQ ON)   # Requires: the shared libraries' sonames
set(CPACK_RPM_PACKAGE_AUTOPROV OFF)
set(CPACK_RPM_USER_FILELIST "%config(noreplace) /etc/mesos-dns-agent/config.json")
set(CPACK_RPM_EXCLUDE_FROM_AUTO_FILELIST_ADDITION
    /etc /lib /lib/systemd /lib/systemd/system /usr/lib/systemd /usr/lib/systemd/system /usr/sbin /usr/share/man
    /usr/share/man/man8 /usr/share/doc /var /var/lib)
set(CPACK_RPM_CHANGELOG_FILE ${CMAKE_SOURCE_DIR}/packaging/rpm/changelog)
set(CPACK_RPM_POST_INSTALL_SCRIPT_FILE ${CMAKE_SOURCE_DIR}/packaging/rpm/post)
set(CPACK_RPM_PRE_UNINSTALL_SCRIPT_FILE ${CMAKE_SOURCE_DIR}/packaging/rpm/preun)
set(CPACK_RPM_POST_UNINSTALL_SCRIPT_FILE ${CMAKE_SOURCE_DIR}/packaging/rpm/postun)
set(CPACK_PRE_BUILD_SCRIPTS ${CMAKE_SOURCE_DIR}/packaging/rpm-unit-dir.cmake)

set(CPACK_GENERATOR "DEB;RPM")
include(CPack)

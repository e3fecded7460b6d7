# CPack pre-build script: RPM distributions keep units in /usr/lib/systemd/system, Debian 12 in
# /lib/systemd/system (where the install rules put it). Runs once per generator on the staging tree.
if(CPACK_GENERATOR STREQUAL "RPM")
  set(root "${CPACK_TEMPORARY_INSTALL_DIRECTORY}")
  file(MAKE_DIRECTORY "${root}/usr/lib/systemd")
  file(RENAME "${root}/lib/systemd/system" "${root}/usr/lib/systemd/system")
  file(REMOVE_RECURSE "${root}/lib")
  # CPackRPM would mark every file of an absolute install destination %config (the unit, the state
  # folder); the one config file is declared in CPACK_RPM_USER_FILELIST.
  set(CPACK_ABSOLUTE_DESTINATION_FILES "")
endif()

# Writes OUTPUT, a C++ source whose function otpgate::api::openapi_document() returns INPUT's text
# byte for byte (cmake -P, run by the build whenever INPUT or this script changes; see
# CMakeLists.txt). A text that contains the raw string's delimiter is refused, not cut short.
cmake_minimum_required(VERSION 3.22)

if(NOT INPUT OR NOT OUTPUT)
  message(FATAL_ERROR "usage: cmake -DINPUT=<file> -DOUTPUT=<file.cpp> -P embed_document.cmake")
endif()

set(delimiter "otpgate_doc")
file(READ "${INPUT}" text)
string(FIND "${text}" ")${delimiter}\"" clash)
if(NOT clash EQUAL -1)
  message(FATAL_ERROR "${INPUT} contains )${delimiter}\", the embedding's delimiter")
endif()
file(WRITE "${OUTPUT}.tmp" "// Generated from ${INPUT} by cmake/embed_document.cmake: do not edit.
#include \"otpgate/api/openapi.hpp\"

namespace otpgate::api {

std::string_view openapi_document() {
  return R\"${delimiter}(${text})${delimiter}\";
}

}  // namespace otpgate::api
")
# Only a changed text touches OUTPUT, so an unchanged document recompiles nothing.
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUTPUT}.tmp")

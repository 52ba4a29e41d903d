/* Preloaded in a test to stand in for a libtensorflow of another version:
 * interposes TF_Version only. */
const char* TF_Version(void) {
  return "2.99.0";
}

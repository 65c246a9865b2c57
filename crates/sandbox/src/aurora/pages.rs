//! What Aurora's server prints besides its JSON envelope: the webmail page, PHP's fatal
//! errors and notices, the web server's 503 page.

/// What `GET /` shows: a stand-in for the webmail's login page.
pub const WEBMAIL_PAGE: &str = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Aurora sandbox</title></head>\n<body><h1>Aurora sandbox</h1><p>This is the Roster sandbox's stand-in for an Aurora webmail. Its Web API is at <code>/?/Api/</code>.</p></body></html>\n";

/// What `http500_every` answers: what a PHP fatal error looks like.
pub const PHP_FATAL_PAGE: &str = "<br />\n<b>Fatal error</b>:  Uncaught Error: Call to a member function getId() on null in /var/www/aurora/vendor/afterlogic/aurora-framework/src/System/Module/AbstractModule.php:1022\nStack trace:\n#0 {main}\n  thrown in <b>/var/www/aurora/vendor/afterlogic/aurora-framework/src/System/Module/AbstractModule.php</b> on line <b>1022</b><br />\n";

/// What `non_json_after_insert_every` answers (HTTP 200): a PHP fatal error printed with
/// `display_errors` on, after the insert, so no JSON follows. PHP-FPM keeps status 200
/// when the error text has already been sent.
pub const PHP_FATAL_200: &str = "<br />\n<b>Fatal error</b>:  Maximum execution time of 30 seconds exceeded in <b>/var/www/aurora/vendor/afterlogic/aurora-module-mail/Module.php</b> on line <b>612</b><br />\n";

/// What `login_fault: "http503"` answers: the web server's page when PHP-FPM is gone.
pub const UNAVAILABLE_PAGE: &str = "<html>\r\n<head><title>503 Service Temporarily Unavailable</title></head>\r\n<body>\r\n<center><h1>503 Service Temporarily Unavailable</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";

/// What `php_notice_every` prints before the envelope, in turn: PHP's HTML error format
/// (`html_errors` on) for a notice, a warning and a deprecation.
pub const PHP_NOTICES: [&str; 3] = [
    "<br />\n<b>Notice</b>:  Undefined index: IsDisabled in <b>/var/www/aurora/vendor/afterlogic/aurora-module-core/Module.php</b> on line <b>1023</b><br />\n",
    "<br />\n<b>Warning</b>:  Undefined array key \"Note\" in <b>/var/www/aurora/vendor/afterlogic/aurora-module-core/Traits/Users.php</b> on line <b>349</b><br />\n",
    "<br />\n<b>Deprecated</b>:  Function create_function() is deprecated in <b>/var/www/aurora/vendor/afterlogic/aurora-framework/Api.php</b> on line <b>403</b><br />\n",
];

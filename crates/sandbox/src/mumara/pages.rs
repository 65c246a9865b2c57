//! The HTML Mumara's stack answers with instead of JSON: Laravel's error pages, the
//! proxy's 502 and the login page.

/// What `http502_every` answers: a reverse proxy's error page.
pub const BAD_GATEWAY_PAGE: &str = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";

/// An error page in the shape of Laravel's default error views (a title, the status
/// code and the same words), in the sandbox's own markup.
pub fn laravel_error_page(code: u16, title: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{title}</title>\n</head>\n<body>\n<div class=\"code\">{code}</div>\n<div class=\"message\">{title}</div>\n</body>\n</html>\n"
    )
}

/// What `GET /login` serves: the HTML login form a Laravel application shows.
pub const LOGIN_PAGE: &str = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Login</title>\n</head>\n<body>\n<h1>Sign in</h1>\n<form method=\"POST\" action=\"/login\">\n<input type=\"hidden\" name=\"_token\" value=\"sandbox-csrf-token\">\n<label>Email <input type=\"email\" name=\"email\"></label>\n<label>Password <input type=\"password\" name=\"password\"></label>\n<button type=\"submit\">Login</button>\n</form>\n</body>\n</html>\n";
